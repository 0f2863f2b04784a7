/** What the index records per file: the shape of `.distiq/index/index.json` entries. */
export interface Definition {
  name: string;
  kind: string;
  startLine: number;
  endLine: number;
  /** The first line of the definition, trimmed: what the repo map shows. */
  signature: string;
}

export interface Reference {
  name: string;
  line: number;
}

export interface FileEntry {
  path: string;
  /** git blob hash of the content indexed. */
  hash: string;
  lines: number;
  /** Last line of the import header (0 when there is none). */
  importEnd: number;
  defs: Definition[];
  /** References as two parallel arrays: compact on disk, fast to parse. */
  refs: { names: string[]; lines: number[] };
  /** Import specifiers as written, and the repo files they resolve to. */
  imports: string[];
  resolved: string[];
}

export interface IndexStats {
  files: number;
  parsed: number;
  cached: number;
  definitions: number;
  references: number;
  importEdges: number;
  skipped: { binary: number; tooLarge: number; unreadable: number; parseFailed: number };
  durationMs: number;
  peakRssMb: number;
}

export interface RepoIndex {
  root: string;
  files: Map<string, FileEntry>;
  stats: IndexStats;
}
