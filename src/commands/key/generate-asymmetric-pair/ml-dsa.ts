import { keyPairCommand } from '../../../cli/key-commands/generate.js';

export default class extends keyPairCommand('ml-dsa') {}
