// The MCP context's face: the MCP server of a role (tools from the taxonomy and the API's
// OpenAPI document), over stdio or streamable HTTP.
export { makeRoleServer, type RoleServerOptions } from './mcp-server.js';
export { serveRolesOverHttp, type RoleHttpServer } from './mcp-http.js';
export { requestOf, toolOf, toolsOf, type OpenApiDocument, type RoleTool } from './mcp-tools.js';
