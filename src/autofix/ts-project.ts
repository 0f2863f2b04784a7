import path from 'node:path';
import ts from 'typescript';

export const TS_FILE = /\.(c|m)?tsx?$/;
export const JS_FILE = /\.(c|m)?jsx?$/;

/**
 * A language service over the repo's project with an in-memory overlay: fixes are tried in
 * memory and the disk is never touched.
 */
export class OverlayProject {
  readonly service: ts.LanguageService;
  private readonly overlay = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  /** Each file's text before its first overlay write. */
  readonly originals = new Map<string, string>();

  constructor(root: string, targets: string[]) {
    const { options, fileNames } = readProject(root, targets);
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => fileNames,
      getScriptVersion: (f) => String(this.versions.get(f) ?? 0),
      getScriptSnapshot: (f) => {
        const text = this.read(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => root,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.overlay.has(f) || ts.sys.fileExists(f),
      readFile: (f) => this.read(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  read(file: string): string | undefined {
    return this.overlay.get(file) ?? ts.sys.readFile(file);
  }

  write(file: string, text: string): void {
    if (!this.originals.has(file)) this.originals.set(file, ts.sys.readFile(file) ?? '');
    this.overlay.set(file, text);
    this.versions.set(file, (this.versions.get(file) ?? 0) + 1);
  }

  /** A copy of every file written so far, as it is now. */
  snapshot(): Map<string, string> {
    return new Map(this.overlay);
  }

  errors(file: string): ts.Diagnostic[] {
    return [
      ...this.service.getSyntacticDiagnostics(file),
      ...this.service.getSemanticDiagnostics(file),
    ].filter((d) => d.category === ts.DiagnosticCategory.Error);
  }

  errorCount(files: Iterable<string>): number {
    let n = 0;
    for (const f of files) n += this.errors(f).length;
    return n;
  }
}

function readProject(
  root: string,
  targets: string[],
): { options: ts.CompilerOptions; fileNames: string[] } {
  // JavaScript gets the same checks in memory (`allowJs` + `checkJs`); the repo's config is untouched.
  const js: ts.CompilerOptions = targets.some((t) => JS_FILE.test(t))
    ? { allowJs: true, checkJs: true }
    : {};
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
  if (configPath && path.dirname(configPath) === root) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    if (parsed)
      return {
        options: { ...parsed.options, ...js },
        fileNames: [...new Set([...parsed.fileNames, ...targets])],
      };
  }
  return {
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noEmit: true,
      allowJs: true,
      ...js,
    },
    fileNames: targets,
  };
}
