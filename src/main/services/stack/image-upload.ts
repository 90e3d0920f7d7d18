/**
 * Gets the bundled image into the server's Docker over the one SSH connection, sending as little
 * as possible and surviving a dropped connection:
 *   1. nothing when the server has the image;
 *   2. else a plan (image-bundle.ts) holding only the layers the server lacks;
 *   3. a disk check before the first byte is written (the upload, the unpacked layers);
 *   4. the plan appended to <home>/.cache/facteur/uploads/<name>.part as the SSH user — a new
 *      attempt asks the file's size and sends only the rest;
 *   5. the server's sha256 of the file compared with the plan's, then `docker load` as root and
 *      the image id checked (Docker verifies every layer against the image config).
 */
import { FacteurError } from '../../../shared/errors';
import type { DockerClient } from '../docker/docker-client';
import type { ExecChannel } from '../ssh/ssh-client';
import type { ImageArchive } from './image-archive';
import {
  hashPlan,
  indexArchive,
  planUpload,
  readPlan,
  sharedLayerPrefix,
  type UploadPlan,
} from './image-bundle';
import { shq, type RemoteShell } from './remote-shell';

/** The SSH user's side of the connection: plain commands and a streamed command for the upload. */
export interface UploadShell extends RemoteShell {
  openExec(command: string): Promise<ExecChannel>;
}

export type ImageProgress =
  | { step: 'image'; state: 'present'; imageId: string }
  | { step: 'disk'; freeBytes: number; neededBytes: number; path: string }
  | {
      step: 'image';
      state: 'uploading';
      sentBytes: number;
      totalBytes: number;
      /** Bytes the server already had from an interrupted upload. */
      resumedFrom: number;
    }
  | { step: 'image'; state: 'verifying' | 'loading' }
  | { step: 'image'; state: 'loaded'; imageId: string };

export interface ImageTransferResult {
  uploaded: boolean;
  /** Image bytes sent in this call. */
  bytesSent: number;
  /** Layer bytes the server had already, plus what an earlier attempt had sent. */
  bytesReused: number;
}

export interface ImageUploaderOptions {
  commandTimeoutMs: number;
  /** Room kept free besides what the image needs (the mail data must still fit). */
  diskMarginBytes: number;
  onProgress?: (p: ImageProgress) => void;
}

const UPLOAD_DIR = '.cache/facteur/uploads';

export class ImageUploader {
  constructor(
    private readonly user: UploadShell,
    private readonly root: RemoteShell,
    private readonly docker: DockerClient,
    private readonly archive: ImageArchive,
    private readonly options: ImageUploaderOptions,
  ) {}

  private progress(p: ImageProgress): void {
    this.options.onProgress?.(p);
  }

  async ensure(): Promise<ImageTransferResult> {
    const { manifest, path } = this.archive;
    if (await this.docker.imageId(manifest.imageId)) {
      this.progress({ step: 'image', state: 'present', imageId: manifest.imageId });
      return { uploaded: false, bytesSent: 0, bytesReused: 0 };
    }
    const storage = await this.docker.storage();
    // The containerd image store imports whole archives only: send every layer there.
    const reused = storage.containerdStore
      ? 0
      : sharedLayerPrefix(manifest.layers, await this.docker.imageLayerLists());
    const plan = planUpload(this.archive, await indexArchive(path), reused);
    const sha256 = await hashPlan(path, plan);
    const dir = await this.uploadDir();
    const file = `${dir}/facteur-server-${manifest.version}-${sha256.slice(0, 16)}.tar`;
    const have = await this.prepareUploadFile(dir, file, plan.bytes);
    await this.checkDisk(dir, storage.rootDir, plan, have);

    let sent = 0;
    if (have < plan.bytes) sent = await this.send(plan, `${file}.part`, have);
    this.progress({ step: 'image', state: 'verifying' });
    const got = (await this.run(`sha256sum ${shq(`${file}.part`)}`, this.user)).split(/\s/)[0];
    if (got !== sha256) {
      await this.run(`rm -f ${shq(`${file}.part`)}`, this.user);
      throw new FacteurError(
        'COMMAND_FAILED',
        'The server image arrived damaged (its checksum does not match): Facteur removed it. Try again.',
      );
    }
    this.progress({ step: 'image', state: 'loading' });
    try {
      await this.run(`docker load -q -i ${shq(`${file}.part`)}`, this.root);
    } finally {
      await this.run(`rm -f ${shq(`${file}.part`)}`, this.user).catch(() => undefined);
    }
    if (!(await this.docker.imageId(manifest.imageId))) {
      throw new FacteurError(
        'COMMAND_FAILED',
        `The server's Docker loaded the upload but has no image ${manifest.imageId}.`,
      );
    }
    this.progress({ step: 'image', state: 'loaded', imageId: manifest.imageId });
    const layerBytes = manifest.layerFiles.slice(0, reused).reduce((s, l) => s + l.bytes, 0);
    return { uploaded: true, bytesSent: sent, bytesReused: layerBytes + have };
  }

  private async run(command: string, shell: RemoteShell): Promise<string> {
    const res = await shell.exec(command, { timeoutMs: this.options.commandTimeoutMs });
    if (res.code !== 0) {
      const detail = (res.stderr || res.stdout).trim().slice(-500);
      if (/no space left/i.test(detail)) throw diskFull(detail);
      throw new FacteurError(
        'COMMAND_FAILED',
        `A command on the server failed (exit ${res.code}): ${detail}`,
      );
    }
    return res.stdout;
  }

  /** The SSH user's upload folder (absolute), private to that user. */
  private async uploadDir(): Promise<string> {
    const out = await this.run(
      `set -e; umask 077; mkdir -p ~/${UPLOAD_DIR}; chmod 700 ~/${UPLOAD_DIR}; cd ~/${UPLOAD_DIR}; pwd`,
      this.user,
    );
    return out.trim();
  }

  /** Removes other uploads (older versions, other plans); returns the bytes already sent of this one. */
  private async prepareUploadFile(dir: string, file: string, total: number): Promise<number> {
    const part = `${file}.part`;
    const out = await this.run(
      `cd ${shq(dir)} && for f in *; do [ -e "$f" ] && [ "$f" != ${shq(part.slice(dir.length + 1))} ] && rm -f -- "$f"; done; ` +
        `stat -c %s ${shq(part)} 2>/dev/null || echo 0`,
      this.user,
    );
    const have = Number(out.trim()) || 0;
    if (have > total) {
      await this.run(`rm -f ${shq(part)}`, this.user);
      return 0;
    }
    return have;
  }

  /**
   * Refuses to start when the server cannot hold the rest of the upload plus the unpacked layers
   * (Docker also copies the archive into its own temporary folder while loading).
   */
  private async checkDisk(dir: string, dockerRoot: string, plan: UploadPlan, have: number): Promise<void> {
    const out = await this.run(
      `df -P -B1 ${shq(dir)} ${shq(dockerRoot)} 2>/dev/null || df -P -B1 ${shq(dir)}`,
      this.user,
    );
    const rows = out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c.length >= 6)
      .map((c) => ({ fs: c[0]!, free: Number(c[3]), mount: c[5]! }));
    const [uploadFs, dockerFs = uploadFs] = rows;
    if (!uploadFs) return;
    const layers = plan.sentLayers.reduce((s, l) => s + l.uncompressedBytes, 0);
    const margin = this.options.diskMarginBytes;
    const onUpload = plan.bytes - have + margin;
    const onDocker = layers + plan.bytes + margin;
    const checks =
      dockerFs!.mount === uploadFs.mount
        ? [{ fs: uploadFs, need: onUpload + layers + plan.bytes }]
        : [
            { fs: uploadFs, need: onUpload },
            { fs: dockerFs!, need: onDocker },
          ];
    for (const { fs, need } of checks) {
      this.progress({ step: 'disk', freeBytes: fs.free, neededBytes: need, path: fs.mount });
      if (fs.free < need) {
        throw new FacteurError(
          'DISK_FULL',
          `The server's disk is too full to install Facteur: ${mb(fs.free)} free on ${fs.mount}, about ` +
            `${mb(need)} needed. Nothing was written. Free some space (for example \`apt-get clean\` or ` +
            `\`docker image prune\`) or choose a larger disk, then try again.`,
          { freeBytes: fs.free, neededBytes: need, mount: fs.mount },
        );
      }
    }
  }

  /** Appends the plan from `from` to the .part file; resolves with the bytes sent. */
  private async send(plan: UploadPlan, part: string, from: number): Promise<number> {
    const channel = await this.user.openExec(`umask 077; cat >> ${shq(part)}`);
    const source = readPlan(this.archive.path, plan, from);
    let sent = 0;
    let lastReport = 0;
    const report = (force = false): void => {
      const now = Date.now();
      if (!force && now - lastReport < 200) return;
      lastReport = now;
      this.progress({
        step: 'image',
        state: 'uploading',
        sentBytes: from + sent,
        totalBytes: plan.bytes,
        resumedFrom: from,
      });
    };
    report(true);
    let stderr = '';
    channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    channel.resume(); // cat prints nothing, but the channel closes only once its output is read
    const exited = new Promise<number | null>((resolve) => {
      let code: number | null = null;
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => resolve(code));
    });
    source.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      report();
    });
    let readError: Error | undefined;
    source.on('error', (err) => {
      readError = err;
      channel.destroy();
    });
    source.pipe(channel);
    const code = await exited;
    source.destroy();
    if (readError) throw readError;
    report(true);
    if (code === 0 && from + sent === plan.bytes) return sent;
    if (/no space left/i.test(stderr)) throw diskFull(stderr.trim());
    if (code === null || code === undefined) {
      throw new FacteurError(
        'UNREACHABLE',
        `The connection to the server dropped during the upload (${mb(from + sent)} of ${mb(plan.bytes)} ` +
          `there); it resumes from there on the next attempt.`,
      );
    }
    throw new FacteurError(
      'COMMAND_FAILED',
      `Writing the upload on the server failed (exit ${code}): ${stderr.trim().slice(-500)}`,
    );
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;
}

function diskFull(detail: string): FacteurError {
  return new FacteurError(
    'DISK_FULL',
    `The server's disk filled up while installing Facteur (${detail.slice(-200)}). Free some space, ` +
      `then try again: the upload resumes where it stopped.`,
  );
}
