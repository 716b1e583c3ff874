// The entry `deno bundle` turns into one browser module of noVNC's RFB client (console/generate_assets.ts).
export { default } from "@novnc/novnc";
