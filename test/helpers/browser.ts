/**
 * A minimal user agent for protocol tests: a cookie jar, manual redirects, and form helpers.
 * It stops at the first redirect that leaves the provider (the platform's redirect_uri).
 */
export interface Page { url: string; status: number; html: string }

export class UserAgent {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || (/expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(new URL(url, this.origin), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.header(), accept: 'text/html' },
    });
    this.store(res);
    return res;
  }

  /** Follows redirects on the provider's origin; returns the page, or the external redirect target. */
  async follow(url: string, init: RequestInit = {}): Promise<Page | { redirect: string }> {
    let res = await this.request(url, init);
    let current = new URL(url, this.origin).toString();
    for (let hops = 0; hops < 20 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location')!, current);
      if (next.origin !== this.origin) return { redirect: next.toString() };
      current = next.toString();
      res = await this.request(current);
    }
    return { url: current, status: res.status, html: await res.text() };
  }

  async page(url: string, init: RequestInit = {}): Promise<Page> {
    const r = await this.follow(url, init);
    if ('redirect' in r) throw new Error(`expected a page, got a redirect to ${r.redirect}`);
    return r;
  }

  async redirect(url: string, init: RequestInit = {}): Promise<string> {
    const r = await this.follow(url, init);
    if (!('redirect' in r)) throw new Error(`expected a redirect, got page ${r.url} (${r.status}): ${r.html.slice(0, 300)}`);
    return r.redirect;
  }

  /** Submits the form whose action contains `actionPart`, with the page's hidden fields plus `fields` (and `headers`). */
  submit(page: Page, actionPart: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const forms = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => f[1]!.includes(actionPart));
    if (!form) throw new Error(`no form with action ${actionPart} on ${page.url}`);
    const body = new URLSearchParams();
    for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) body.set(m[1]!, decode(m[2]!));
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const action = decode(form[1]!);
    return this.follow(new URL(action, page.url).toString(), {
      method: 'POST',
      body,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
