import { BaseCommand } from './base.js';

export default class Index extends BaseCommand {
  static override summary =
    'Index the repository with tree-sitter: definitions, references, imports (cached per file under .distiq/index).';
  static override examples = ['<%= config.bin %> index', '<%= config.bin %> index --json'];

  async run(): Promise<void> {
    const { flags } = await this.parse(Index);
    const { indexRepo } = await import('../jobs/index-repo.js');
    const warnings: string[] = [];
    const stats = await indexRepo(flags.cwd, (m) => warnings.push(m));
    if (flags.json) return this.printJson({ ...stats, warnings });
    for (const w of warnings) process.stderr.write(`distiq: ${w}\n`);
    this.print(
      `Indexed ${stats.files} file(s) (${stats.parsed} parsed, ${stats.cached} from cache) in ${stats.durationMs} ms: ${stats.definitions} definitions, ${stats.references} references, ${stats.importEdges} import edges; peak RSS ${stats.peakRssMb} MB`,
    );
  }
}
