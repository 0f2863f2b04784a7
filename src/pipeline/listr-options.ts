import { ListrLogger, ProcessOutput } from 'listr2';

export type ProgressRenderer = 'default' | 'simple' | 'silent';

/** listr2 options shared by the jobs: progress to the given stream, no signal handlers of its own. */
export function listrOptions<T>(ctx: T, renderer: ProgressRenderer, stream: NodeJS.WriteStream) {
  const logger = () => new ListrLogger({ processOutput: new ProcessOutput(stream, stream) });
  return {
    ctx,
    // listr2 types the renderer by literal; the three values are all built-in renderers.
    renderer: renderer as 'default',
    fallbackRenderer: 'simple' as const,
    rendererOptions: { logger: logger() },
    fallbackRendererOptions: { logger: logger() },
    exitOnError: true,
    registerSignalListeners: false,
    collectErrors: false as const,
  };
}
