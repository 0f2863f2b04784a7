import { Args } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class Hook extends BaseCommand {
  static override summary =
    'Install, remove or run the pre-push hook (cheap local validation before a push).';
  static override description =
    'Works alongside husky, lefthook, simple-git-hooks and core.hooksPath; never overwrites a hook it did not write (an existing one is chained), and uninstall restores exactly what was there. Bypass once with `git push --no-verify` or DISTIQ_SKIP_HOOK=1; it does nothing in CI.';
  static override examples = [
    '<%= config.bin %> hook install',
    '<%= config.bin %> hook uninstall',
    '<%= config.bin %> hook run pre-push origin <url> < refs',
  ];
  static override args = {
    action: Args.string({
      description: 'install or uninstall the pre-push hook; run is what the installed hook calls',
      options: ['install', 'uninstall', 'run'],
      required: true,
    }),
    hook: Args.string({ description: 'with run: the hook git is running (pre-push)' }),
    remote: Args.string({ description: 'with run: the remote name git passes to pre-push' }),
    url: Args.string({ description: 'with run: the remote URL git passes to pre-push' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Hook);
    if (args.action === 'run') {
      const { main } = await import('../hooks/main.js');
      const code = await main([args.hook ?? '', args.remote ?? '', args.url ?? '']);
      if (code !== 0) this.exit(code);
      return;
    }
    const { installHook, uninstallHook } = await import('../hooks/install.js');
    const result =
      args.action === 'install' ? await installHook(flags.cwd) : await uninstallHook(flags.cwd);
    if (flags.json) return this.printJson(result);
    if ('action' in result)
      this.print(
        `pre-push hook ${result.action} (${result.manager}): ${result.file}${result.note ? `\n${result.note}` : ''}`,
      );
    else
      this.print(
        result.restored === 'nothing-installed'
          ? 'No distiq hook is installed.'
          : `pre-push hook removed (${result.manager}): ${result.file} ${result.restored === 'exactly' ? 'restored exactly' : 'distiq block removed, your later edits kept'}`,
      );
  }
}
