import { symmetricCommand } from '../../../cli/key-commands/generate.js';

export default class extends symmetricCommand('aes') {}
