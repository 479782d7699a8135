/**
 * Form bodies for our own pages, urlencoded or multipart (a selfie upload), parsed with the
 * platform's own FormData parser under a size cap. Fields land on ctx.request.body, so the CSRF
 * check (csrf.ts) reads the hidden `_csrf` field the same way for both encodings; files are kept
 * apart on ctx.state.files.
 */
import type { Middleware } from 'koa';
import { AppError } from '../errors.ts';

export interface UploadedFile { bytes: Buffer; type: string; name: string }

async function readCapped(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw new AppError('http.body_too_large', 'the form is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function formBody(opts: { maxBytes: number }): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    const type = ctx.get('content-type');
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
      throw new AppError('http.unsupported_media_type', 'expected a form');
    }
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > opts.maxBytes) throw new AppError('http.body_too_large', 'the form is too large');
    const raw = await readCapped(ctx.req, opts.maxBytes);
    let form: FormData;
    try {
      form = await new Request('http://form.invalid/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    } catch {
      throw new AppError('http.malformed_form', 'the form could not be read');
    }
    const fields: Record<string, string> = {};
    const files: Record<string, UploadedFile> = {};
    for (const [name, value] of form) {
      if (typeof value === 'string') fields[name] = value;
      else if (value.size > 0) files[name] = { bytes: Buffer.from(await value.arrayBuffer()), type: value.type, name: value.name };
    }
    (ctx.request as { body?: unknown }).body = fields;
    ctx.state.files = files;
    await next();
  };
}
