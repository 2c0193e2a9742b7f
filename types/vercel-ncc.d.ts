// @vercel/ncc ships no type declarations; the build and one test call its programmatic API.
declare module '@vercel/ncc' {
  interface NccOptions {
    minify?: boolean;
    quiet?: boolean;
    target?: string;
    sourceMap?: boolean;
    cache?: boolean | string;
    transpileOnly?: boolean;
    license?: string;
  }
  interface NccResult {
    code: string;
    assets: Record<string, { source: string | Buffer; permissions?: number }>;
  }
  export default function ncc(entry: string, options?: NccOptions): Promise<NccResult>;
}
