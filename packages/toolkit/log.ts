import { runner as core, type AnnotationProperties } from './runner.js';

/** Runs `fn` inside a collapsible log group. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return core.group(name, fn);
}

export const info = (msg: string): void => core.info(msg);
export const debug = (msg: string): void => core.debug(msg);
export const warning = (msg: string, props?: AnnotationProperties): void => core.warning(msg, props);
export const notice = (msg: string, props?: AnnotationProperties): void => core.notice(msg, props);
/** An error annotation without failing the step (the caller decides the verdict). */
export const annotateError = (msg: string, props?: AnnotationProperties): void => core.error(msg, props);
