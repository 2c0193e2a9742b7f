/** What the root action needs to know about each action: its inputs, their defaults, and whether it has a post step. */
export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}

export interface ActionManifest {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string }>;
  post: boolean;
}

export type Manifest = Record<string, ActionManifest>;
