/**
 * The secret registry: which environment variables are secrets, which strings look like
 * credentials, and how to keep both out of child processes (the repo's own build runs untrusted
 * code) and out of every output. One registry per process: `loadConfig` adds the config's
 * `secrets.envVars` and every provider's `apiKeyEnv` once, and every scrubber and redactor built
 * anywhere (before or after that) consults it, so no edge can miss a name the config made secret.
 */

// Name parts that mark a secret. Separators are _ and - (Actions passes the input github-token
// as INPUT_GITHUB-TOKEN). A part matches as a whole word of the name.
const SECRET_WORDS = [
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  'PASS',
  'PWD',
  'PASSPHRASE',
  'PAT',
  'API[_-]?KEY',
  'ACCESS[_-]?KEY',
  'PRIVATE[_-]?KEY',
  'KEY',
  'CREDENTIALS?',
  'AUTH',
  'DSN',
  'WEBHOOK(?:[_-]?URL)?',
  'COOKIE',
  'SALT',
  'CONN(?:ECTION)?[_-]?STRING',
  'DATABASE[_-]?URL',
  'DB[_-]?URL',
  'REDIS[_-]?URL',
  'MONGO(?:DB)?[_-]?URI',
  'MONGO(?:DB)?[_-]?URL',
  'POSTGRES(?:QL)?[_-]?URL',
  'AMQP[_-]?URL',
];
const SECRET_NAME = new RegExp(`(^|[_-])(${SECRET_WORDS.join('|')})($|[_-])`, 'i');
// Whole names that hold secrets without a marker word, or where the word is glued on.
const SECRET_NAMES = new Set([
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GITHUB_PAT',
  'GH_PAT',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RESULTS_URL',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'AWS_SESSION_TOKEN',
  'PGPASSWORD',
  'PGPASSFILE',
  'MYSQL_PWD',
  'DATABASE_URL',
  'SENTRY_DSN',
  'SLACK_WEBHOOK_URL',
  'COOKIE',
  'KUBECONFIG',
  'DOCKER_AUTH_CONFIG',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CREDENTIALS',
  'AZURE_CREDENTIALS',
  'SSH_AUTH_SOCK',
  'GPG_KEY',
  'TWINE_PASSWORD',
  'CARGO_REGISTRY_TOKEN',
]);
/** Ordinary variables a marker word would otherwise catch (the shell's working directories). */
const NOT_SECRET = new Set(['PWD', 'OLDPWD', 'PASSWORD_STORE_DIR', 'KEYTIMEOUT']);

/** Credential shapes, redacted wherever they appear, whoever held them. */
export const TOKEN_PATTERNS: readonly { name: string; re: RegExp }[] = [
  {
    name: 'private key block',
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { name: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g },
  { name: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g },
  { name: 'npm token', re: /\bnpm_[A-Za-z0-9]{30,}\b/g },
  { name: 'Anthropic key', re: /\bsk-ant-[A-Za-z0-9_-]{16,}/g },
  { name: 'OpenAI key', re: /\bsk-[A-Za-z0-9_-]{16,}/g },
  { name: 'AWS access key id', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { name: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'Slack webhook', re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { name: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'JWT', re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
];
// scheme://user:password@host: the password part goes, the rest stays readable.
// Bounded repeats: a long run of dots or letters cannot make it quadratic.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@'"`]{0,256}:)([^\s@/'"`]{1,256})@/gi;

export const REDACTED = '[REDACTED]';

class SecretRegistry {
  private readonly names = new Set<string>();
  /** Bumped on every change, so redactors rebuild their value lists lazily. */
  version = 0;

  add(names: Iterable<string | undefined>): void {
    for (const n of names) {
      if (!n || this.names.has(n)) continue;
      this.names.add(n);
      this.version++;
    }
  }

  registered(): string[] {
    return [...this.names];
  }

  isSecretName(name: string, extra: readonly string[] = []): boolean {
    if (this.names.has(name) || extra.includes(name) || SECRET_NAMES.has(name.toUpperCase()))
      return true;
    return !NOT_SECRET.has(name.toUpperCase()) && SECRET_NAME.test(name);
  }
}

const registry = new SecretRegistry();

/** Names made secret by the config (`secrets.envVars`, every provider's `apiKeyEnv`). */
export function registerSecretNames(names: Iterable<string | undefined>): void {
  registry.add(names);
}

export function registeredSecretNames(): string[] {
  return registry.registered();
}

export function isSecretEnvName(name: string, extra: readonly string[] = []): boolean {
  return registry.isSecretName(name, extra);
}

/** A value that is itself a credential, whatever its variable is called. */
export function looksLikeToken(value: string): boolean {
  URL_CREDENTIALS.lastIndex = 0;
  if (URL_CREDENTIALS.test(value)) return true;
  return TOKEN_PATTERNS.some(({ re }) => {
    re.lastIndex = 0;
    return re.test(value);
  });
}

/** A copy of `env` without any secret variable (by name, registry or credential-shaped value). */
export function scrubEnv(env: NodeJS.ProcessEnv, extra: readonly string[] = []): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !isSecretEnvName(k, extra) && !looksLikeToken(v)) out[k] = v;
  }
  return out;
}

/** Hides credential shapes in text. */
export function redactTokenShapes(text: string): string {
  let out = text;
  for (const { re } of TOKEN_PATTERNS) out = out.replace(re, REDACTED);
  return out.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
}

/**
 * Builds a redactor that hides credential shapes and the values of secret env vars: those the
 * name patterns catch, `extra`, and every name in the registry at the time of the call.
 */
export function makeRedactor(
  env: NodeJS.ProcessEnv = process.env,
  extra: readonly string[] = [],
): (text: string) => string {
  let built = -1;
  let values: string[] = [];
  const rebuild = () => {
    values = Object.entries(env)
      .filter(([k, v]) => v && v.length >= 8 && isSecretEnvName(k, extra))
      .map(([, v]) => v as string)
      .sort((a, b) => b.length - a.length);
    built = registry.version;
  };
  return (text: string) => {
    if (built !== registry.version) rebuild();
    let out = String(text);
    for (const v of values) out = out.split(v).join(REDACTED);
    return redactTokenShapes(out);
  };
}

/** The process-wide redactor (process.env and the registry): for edges with no env of their own. */
export const redactSecrets = makeRedactor();
