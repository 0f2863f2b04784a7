import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { DistiqConfig } from '../config/schema.js';
import { TOKEN_PATTERNS } from '../security/secrets.js';

type ProviderSpec = DistiqConfig['providers'][string];

/**
 * Where an API key may go. A provider's key is sent only to the documented HTTPS host of its
 * type, unless the config that set the custom `baseURL` came from outside the repository or the
 * user passed --trust-repo-config: a repo config is written by whoever can push to the repo.
 */
export const DOCUMENTED_HOSTS: Record<
  'anthropic' | 'openai' | 'openai-compatible',
  readonly string[]
> = {
  anthropic: ['api.anthropic.com'],
  openai: ['api.openai.com'],
  // Hosted OpenAI-compatible APIs whose keys are LLM keys (their docs give these base URLs).
  'openai-compatible': [
    'api.deepseek.com',
    'api.groq.com',
    'openrouter.ai',
    'generativelanguage.googleapis.com',
    'api.together.xyz',
    'api.mistral.ai',
    'api.fireworks.ai',
    'api.x.ai',
    'api.cerebras.ai',
    'api.perplexity.ai',
    'api.openai.com',
    'api.anthropic.com',
  ],
};

// Variable families that hold credentials for something other than an LLM API.
const NON_LLM_NAME = [
  /^(GITHUB|GH|ACTIONS|RUNNER)[_-]/i,
  /^INPUT_GITHUB[_-]TOKEN$/i,
  /^(NPM|NODE_AUTH|YARN|PNPM|CARGO|PYPI|TWINE|GEM|NUGET|DOCKER|GHCR|QUAY)(_|$)/i,
  /^(AWS|GCP|GCLOUD|GOOGLE_APPLICATION|GOOGLE_CLOUD|DIGITALOCEAN|HEROKU|VERCEL|NETLIFY|CLOUDFLARE|FLY)(_|$)/i,
  /^AZURE_(?!OPENAI_|AI_)/i,
  /^ARM_/i,
  /(^|_)(SSH|GPG|PGP)(_|$)/i,
  /^(PG[A-Z]*|MYSQL|POSTGRES(QL)?|MONGO(DB)?|REDIS|DATABASE|DB)(_|$)/i,
  /^(SLACK|SENTRY|STRIPE|TWILIO|SENDGRID|DISCORD|TELEGRAM|CODECOV|SONAR)(_|$)/i,
];
// Value shapes that are not LLM keys (Google's AIza keys are: Gemini uses them).
const NON_LLM_SHAPES = new Set([
  'private key block',
  'GitHub token',
  'GitHub fine-grained token',
  'npm token',
  'AWS access key id',
  'Slack token',
  'Slack webhook',
]);

/** Why `apiKeyEnv` may not name this variable (it holds a non-LLM secret), or null. */
export function nonLlmKeyName(name: string): string | null {
  return NON_LLM_NAME.some((re) => re.test(name))
    ? `${name} holds a GitHub, package-registry, cloud, SSH, database or service credential, not an LLM API key`
    : null;
}

/** Why this value must not be sent as an LLM key (it has the shape of another credential), or null. */
export function nonLlmKeyValue(value: string): string | null {
  for (const { name, re } of TOKEN_PATTERNS) {
    if (!NON_LLM_SHAPES.has(name)) continue;
    re.lastIndex = 0;
    if (re.test(value)) return `its value has the shape of a ${name}, not an LLM API key`;
  }
  return null;
}

/** The host a key would be sent to, when it is not the provider type's documented one. */
export function undocumentedHost(spec: ProviderSpec): string | null {
  if (spec.type === 'llama') return null;
  const url = spec.baseURL;
  if (!url) return null; // the SDK's own default host
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const ok =
    parsed.protocol === 'https:' &&
    DOCUMENTED_HOSTS[spec.type].includes(parsed.hostname.toLowerCase());
  return ok ? null : parsed.origin;
}

/** True when the config file lives inside the repository (anyone who can push wrote it). */
export function configInRepo(file: string | null, root: string): boolean {
  if (!file) return false;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const rel = path.relative(real(root), real(file));
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

let trustedByFlag = false;

/** --trust-repo-config (CLI) or the Action input trust-repo-config. */
export function trustRepoConfig(on: boolean): void {
  trustedByFlag = on;
}

export function repoConfigTrusted(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    trustedByFlag || env.DISTIQ_TRUST_REPO_CONFIG === '1' || env.DISTIQ_TRUST_REPO_CONFIG === 'true'
  );
}
