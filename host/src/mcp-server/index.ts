export { createToolGateway } from './gateway.js';
export type { GatewayResult, GatewayTool, GatewayVerdict, ToolGateway } from './gateway.js';
export { createToolServerFactory } from './tool-server.js';
export type { CreateOptions, McpCallEvent, ToolServerFactory, ToolServerOptions } from './tool-server.js';
export { serveToolsOverStdio } from './stdio.js';
export type { StdioServing } from './stdio.js';
export { createToolHttpHandler } from './http.js';
export type { ToolHttpHandler } from './http.js';
