import { runFfmpeg } from './ffmpeg';

export interface VolumeStats {
  /** Mean level in dBFS (RMS over the span); about -91 for digital silence. */
  meanDb: number;
  /** Peak level in dBFS. */
  maxDb: number;
}

export interface MeasureVolumeOptions {
  /** Start of the span in seconds (default 0). */
  from?: number;
  /** Length of the span in seconds (default: to the end). */
  seconds?: number;
  /** Audio filters applied before measuring, e.g. `bandpass=f=6000:width_type=q:w=8` to hear one band. */
  filter?: string;
  signal?: AbortSignal;
}

/** Loudness of a file's first audio stream over a span, by ffmpeg's `volumedetect`. */
export async function measureVolume(path: string, opts: MeasureVolumeOptions = {}): Promise<VolumeStats> {
  let meanDb = NaN;
  let maxDb = NaN;
  const span = [...(opts.from ? ['-ss', String(opts.from)] : []), ...(opts.seconds !== undefined ? ['-t', String(opts.seconds)] : [])];
  await runFfmpeg(
    {
      inputs: [{ source: path, options: span }],
      output: '-',
      outputOptions: ['-map', '0:a:0', '-af', [opts.filter, 'volumedetect'].filter(Boolean).join(','), '-f', 'null'],
      what: `measuring the volume of ${path}`,
      logLevel: 'info',
    },
    {
      signal: opts.signal,
      onStderrLine: (line) => {
        const mean = /mean_volume: (-?[\d.]+|-inf) dB/.exec(line);
        if (mean) meanDb = mean[1] === '-inf' ? -Infinity : Number(mean[1]);
        const max = /max_volume: (-?[\d.]+|-inf) dB/.exec(line);
        if (max) maxDb = max[1] === '-inf' ? -Infinity : Number(max[1]);
      },
    },
  );
  if (Number.isNaN(meanDb)) throw new Error(`measuring the volume of ${path}: no audio in that span`);
  return { meanDb, maxDb };
}
