// Build a benchmark target: the data files inside a served root folder, plus
// the description the cases run against (see cases.js).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MiB, clearUploads, ensureRandomFile, ensureSmallFiles } from './data.js';

/**
 * Create (or reuse) the data in `root` and describe it.
 * @param {{host:string, port:number, root:string, workDir:string, sumsDir?:string,
 *   bigBytes:number, mediumBytes:number, smallCount:number, smallBytes?:number,
 *   uploadDir?:string, needBig?:boolean, needMedium?:boolean, needSmall?:boolean, log?:Function}} o
 */
export async function prepareTarget(o) {
  const log = o.log || (() => {});
  mkdirSync(o.root, { recursive: true });
  rmSync(o.workDir, { recursive: true, force: true });
  mkdirSync(o.workDir, { recursive: true });

  const fileFor = async (bytes) => {
    const name = `random-${bytes % MiB === 0 ? `${bytes / MiB}m` : bytes}.bin`;
    const f = await ensureRandomFile(join(o.root, name), bytes, { log, sumsDir: o.sumsDir });
    return { remote: `/${name}`, size: f.size, sha256: f.sha256, path: f.path };
  };
  const target = {
    host: o.host,
    port: o.port,
    workDir: o.workDir,
    uploadRemoteDir: `/${o.uploadDir ?? 'upload'}`,
    uploadLocalDir: join(o.root, o.uploadDir ?? 'upload'),
    big: null,
    medium: null,
    small: [],
  };
  mkdirSync(target.uploadLocalDir, { recursive: true });
  clearUploads(target.uploadLocalDir);
  if (o.needBig !== false) target.big = await fileFor(o.bigBytes);
  if (o.needMedium !== false) target.medium = o.mediumBytes === o.bigBytes && target.big ? target.big : await fileFor(o.mediumBytes);
  if (o.needSmall !== false && o.smallCount > 0) {
    const files = await ensureSmallFiles(join(o.root, 'small'), o.smallCount, o.smallBytes ?? 4096);
    target.small = files.map((f) => ({ ...f, remote: `/small/${f.name}` }));
  }
  return target;
}
