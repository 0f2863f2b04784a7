#!/usr/bin/env node
// Ctrl-C before a command takes over (while modules load, config is read, flags are parsed):
// exit 130, and under --json still print the one object stdout promises. A command that can
// stop cleanly removes this listener (BaseCommand.interruptible).
const earlyInterrupt = () => {
  if (process.argv.includes('--json')) {
    const error = { type: 'InterruptedError', message: 'Interrupted before the run started; nothing was changed.', hint: null, exitCode: 130 };
    process.stdout.write(JSON.stringify({ schemaVersion: 1, status: 'error', error }, null, 2) + '\n');
  } else {
    process.stderr.write('distiq: interrupted before the run started; nothing was changed.\n');
  }
  process.exit(130);
};
globalThis.distiqEarlyInterrupt = earlyInterrupt;
process.on('SIGINT', earlyInterrupt);

const { flush, handle, run } = await import('@oclif/core');
try {
  await run(process.argv.slice(2), import.meta.url);
  await flush();
} catch (err) {
  // An unknown command never reaches a command's own error handling (commands/base.ts):
  // same shape here, a usage error (exit 2), one JSON object under --json.
  const unknown = /^command (\S+) not found$/.exec(err?.message ?? '');
  if (!unknown) await handle(err);
  else {
    const message = `Unknown command: distiq ${unknown[1].replaceAll(':', ' ')}`;
    const hint = '`distiq help` lists the commands.';
    if (process.argv.includes('--json')) {
      const error = { type: 'UsageError', message, hint, exitCode: 2 };
      process.stdout.write(JSON.stringify({ schemaVersion: 1, status: 'error', error }, null, 2) + '\n');
    } else process.stderr.write(`distiq: ${message}\nhint: ${hint}\n`);
    process.exitCode = 2;
  }
}
