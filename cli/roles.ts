/** Which denovirt roles the local stack starts: those whose implementation is complete. */
import type { RoleName } from "../stack/identities.ts";

export const ROLES_READY_FOR_THE_STACK: RoleName[] = ["controllers", "webhooks", "agent"];
