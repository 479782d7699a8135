/**
 * The OpenAPI 3.1 document of the admin API, built from the very route declarations (api-kit.ts
 * RouteBook) and zod schemas the routers validate with: zod 4's own JSON Schema output (draft
 * 2020-12, the dialect OpenAPI 3.1 uses), request schemas as input, responses as output.
 */
import { z } from 'zod';
import { ROLE_SCOPES, type AdminRole } from '../roles.ts';
import { errorSchema, type RouteBook, type RouteSpec } from './api-kit.ts';

type Json = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

/** Koa `/:id/retire` → OpenAPI `/{id}/retire`. */
export const openApiPath = (koaPath: string) => koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(spec: RouteSpec): Json[] {
  const out: Json[] = [];
  for (const [where, obj] of [['path', spec.params], ['query', spec.query]] as const) {
    if (!obj) continue;
    for (const [name, field] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
      const schema = schemaOf(field, 'input');
      const optional = field.safeParse(undefined).success;
      out.push({ name, in: where, required: where === 'path' || !optional, schema, ...(schema.description ? { description: schema.description } : {}) });
    }
  }
  return out;
}

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function openApiDocument(book: RouteBook, issuer: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of book.routes) {
    const path = openApiPath(r.fullPath);
    const status = String(r.status ?? 200);
    const success: Json = r.produces
      ? { description: 'OK', content: Object.fromEntries(r.produces.split(', ').map((m) => [m, { schema: { type: 'string' } }])) }
      : r.response ? { description: 'OK', content: { 'application/json': { schema: schemaOf(r.response, 'output') } } } : { description: 'Done' };
    (paths[path] ??= {})[r.method] = {
      operationId: `${r.method}${r.fullPath.replace(/^\/admin\/api/, '').replace(/[/:-]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      summary: r.summary,
      tags: [r.tag],
      'x-roles': r.roles,
      security: [{ adminToken: r.roles.map((role: AdminRole) => ROLE_SCOPES[role]) }],
      parameters: parameters(r),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses: {
        [status]: success,
        400: errorRef('invalid input: details.fields names each field (in, path, message)'),
        401: errorRef('no access token, or not a valid one'),
        403: errorRef('the token holds none of the roles this operation needs'),
        ...(r.params ? { 404: errorRef('no such object') } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Yihao admin API',
      version: '1',
      description: 'Administration of Yihao for automation. Bearer JWT access tokens for the resource urn:yihao:admin, obtained with client_credentials; one scope per administrative role.',
    },
    servers: [{ url: issuer }],
    paths,
    components: {
      schemas: { Error: schemaOf(errorSchema, 'output') },
      securitySchemes: {
        adminToken: {
          type: 'oauth2',
          description: 'client_credentials with resource=urn:yihao:admin; scopes are roles',
          flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: Object.fromEntries(Object.entries(ROLE_SCOPES).map(([role, scope]) => [scope, role])) } },
        },
      },
    },
  };
}
