/** Entry point of the install's certificate job (bundled into the image as `denovirt-certs`). */
import { certsJob } from "./certs_job.ts";

if (import.meta.main) {
  try {
    Deno.exit(await certsJob(Deno.args));
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
