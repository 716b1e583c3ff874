/** The node agent, assembled; importing this starts nothing. */
export { agentRole } from "./role.ts";
export { type RunningAgent, startAgent } from "./agent.ts";
export { type AgentConfig, parseAgentFlags } from "./flags.ts";
export { LifecycleConflictError, LifecycleNotFoundError } from "./vmi/lifecycle.ts";
