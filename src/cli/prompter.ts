/**
 * The one prompter interface (hidden password entry, yes/no). Single commands use inquirer,
 * the shell its own readline, tests a scripted stub.
 */
export interface Prompter {
  password(message: string): Promise<string>;
  confirm(message: string): Promise<boolean>;
  /** A line of visible text (a file path); empty when the operator just presses enter. */
  text(message: string): Promise<string>;
}

/** inquirer-backed prompter for single commands run on a terminal; loaded only when used. */
export const inquirerPrompter: Prompter = {
  async password(message) {
    const { password } = await import('@inquirer/prompts');
    return password({ message, mask: false });
  },
  async confirm(message) {
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message, default: false });
  },
  async text(message) {
    const { input } = await import('@inquirer/prompts');
    return input({ message });
  },
};

/** A prompter that answers from a list, for tests. */
export function scriptedPrompter(answers: string[]): Prompter {
  const queue = [...answers];
  const next = (message: string) => {
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`unexpected prompt: ${message}`);
    return answer;
  };
  return {
    password: async (message) => next(message),
    confirm: async (message) => /^y/i.test(next(message)),
    text: async (message) => next(message),
  };
}
