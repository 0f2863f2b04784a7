// A GitHub REST API on 127.0.0.1 for the bundled Action, which runs in its own process (nock cannot
// reach it). Each route answers once, in order (shapes from GitHub's REST reference); every request
// is recorded; a request no route expects gets a 599 and is listed in `unexpected`.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  method: string;
  path: string | RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

export class LoopbackGitHub {
  readonly requests: Recorded[] = [];
  readonly unexpected: Recorded[] = [];
  private routes: Route[] = [];
  private server?: Server;

  /** Adds routes; each answers one request. */
  expect(...routes: Route[]): this {
    this.routes.push(...routes);
    return this;
  }

  pending(): Route[] {
    return this.routes;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void readBody(req).then((text) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: kept as text
        }
        const rec = { method: req.method ?? 'GET', path: url.pathname, body };
        this.requests.push(rec);
        const i = this.routes.findIndex(
          (r) =>
            r.method === rec.method &&
            (typeof r.path === 'string' ? r.path === rec.path : r.path.test(rec.path)),
        );
        if (i < 0) {
          this.unexpected.push(rec);
          res.writeHead(599, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              message: `unexpected ${rec.method} ${rec.path}`,
            }),
          );
          return;
        }
        const [route] = this.routes.splice(i, 1);
        res
          .writeHead(route!.status, {
            'content-type': 'application/json',
            ...route!.headers,
          })
          .end(route!.body === undefined ? '' : JSON.stringify(route!.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
