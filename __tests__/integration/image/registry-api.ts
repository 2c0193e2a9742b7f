// Independent checks through the registry's HTTP API (no buildah, no skopeo): what a tag resolves to.
import zlib from 'node:zlib';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export interface Manifest {
  digest: string;
  mediaType: string;
  config: { digest: string };
  layers: { digest: string; mediaType: string }[];
}

function split(repository: string): { host: string; name: string } {
  const slash = repository.indexOf('/');
  return { host: repository.slice(0, slash), name: repository.slice(slash + 1) };
}

/** GET /v2/<name>/manifests/<tag> with the OCI and Docker Accept headers; digest from Docker-Content-Digest. */
export async function manifest(
  repository: string,
  tag: string,
  headers: Record<string, string> = {},
): Promise<Manifest> {
  const { host, name } = split(repository);
  const res = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
    headers: { accept: MANIFEST_ACCEPT, ...headers },
  });
  if (!res.ok) throw new Error(`GET ${repository}:${tag} manifest: HTTP ${res.status}`);
  const body = (await res.json()) as Omit<Manifest, 'digest'>;
  return {
    ...body,
    mediaType: body.mediaType ?? res.headers.get('content-type') ?? '',
    digest: res.headers.get('docker-content-digest') ?? '',
  };
}

export async function blob(
  repository: string,
  digest: string,
  headers: Record<string, string> = {},
): Promise<Buffer> {
  const { host, name } = split(repository);
  const res = await fetch(`http://${host}/v2/${name}/blobs/${digest}`, { headers });
  if (!res.ok) throw new Error(`GET blob ${digest}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The image config (labels, history) of a tag. */
export async function imageConfig(
  repository: string,
  tag: string,
): Promise<{ config: { Labels?: Record<string, string> }; history?: { created_by?: string }[] }> {
  const m = await manifest(repository, tag);
  return JSON.parse((await blob(repository, m.config.digest)).toString('utf8'));
}

/** Every layer of a tag, uncompressed (tar bytes), to look for file contents. */
export async function layerTars(repository: string, tag: string): Promise<Buffer[]> {
  const m = await manifest(repository, tag);
  const out: Buffer[] = [];
  for (const l of m.layers) {
    const data = await blob(repository, l.digest);
    out.push(l.mediaType.includes('gzip') ? zlib.gunzipSync(data) : data);
  }
  return out;
}

/** GET /v2/<name>/tags/list: every tag the registry holds for the repository, sorted. */
export async function tagList(repository: string): Promise<string[]> {
  const { host, name } = split(repository);
  const res = await fetch(`http://${host}/v2/${name}/tags/list`);
  if (!res.ok) throw new Error(`GET ${repository} tags: HTTP ${res.status}`);
  return ((await res.json()) as { tags: string[] | null }).tags?.sort() ?? [];
}

export interface Index {
  digest: string;
  mediaType: string;
  manifests: {
    digest: string;
    mediaType: string;
    platform?: { os: string; architecture: string };
    annotations?: Record<string, string>;
  }[];
}

const isIndex = (mediaType: string) => /image\.index|manifest\.list/.test(mediaType);

/** The tag's image manifest: the tag itself, or its linux entry when the tag is an index (attestations). */
export async function imageManifest(repository: string, tag: string): Promise<Manifest> {
  const m = await manifest(repository, tag);
  if (!isIndex(m.mediaType)) return m;
  const idx = m as unknown as Index;
  const entry = idx.manifests.find((e) => e.platform?.os === 'linux');
  if (!entry) throw new Error(`${repository}:${tag}: the index has no linux manifest`);
  return manifest(repository, entry.digest);
}

/** The index of a tag (throws when the tag is a single manifest). */
export async function imageIndex(repository: string, tag: string): Promise<Index> {
  const m = await manifest(repository, tag);
  if (!isIndex(m.mediaType)) throw new Error(`${repository}:${tag} is a ${m.mediaType}, not an index`);
  return m as unknown as Index;
}

/** The in-toto predicate types of the attestation manifests in an index. */
export async function attestationTypes(repository: string, tag: string): Promise<string[]> {
  const idx = await imageIndex(repository, tag);
  const types: string[] = [];
  for (const e of idx.manifests.filter(
    (x) => x.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest',
  )) {
    const att = (await manifest(repository, e.digest)) as Manifest & {
      layers: { annotations?: Record<string, string> }[];
    };
    for (const l of att.layers) types.push(l.annotations?.['in-toto.io/predicate-type'] ?? '');
  }
  return types.sort();
}

/** Config (labels, history) of the tag's image manifest, following an index. */
export async function imageConfigOf(
  repository: string,
  tag: string,
): Promise<{ config: { Labels?: Record<string, string> }; history?: { created_by?: string }[] }> {
  const m = await imageManifest(repository, tag);
  return JSON.parse((await blob(repository, m.config.digest)).toString('utf8'));
}

/** Uncompressed layers of the tag's image manifest, following an index. */
export async function imageLayerTars(repository: string, tag: string): Promise<Buffer[]> {
  const m = await imageManifest(repository, tag);
  const out: Buffer[] = [];
  for (const l of m.layers) {
    const data = await blob(repository, l.digest);
    out.push(l.mediaType.includes('gzip') ? zlib.gunzipSync(data) : data);
  }
  return out;
}

/** Tags of a repository, or [] when the registry does not know it (nothing was pushed). */
export async function tagsOrNone(repository: string): Promise<string[]> {
  try {
    return await tagList(repository);
  } catch (err) {
    if (/HTTP 404/.test((err as Error).message)) return [];
    throw err;
  }
}
