/** The node agent, assembled; importing this starts nothing. */
export { agentRole } from "./role.ts";
export { startAgent } from "./agent.ts";
export type { RunningAgent } from "./running_agent.ts";
export { type AgentConfig, parseAgentFlags } from "./flags.ts";
export { LifecycleConflictError, LifecycleNotFoundError } from "./vmi/lifecycle.ts";
