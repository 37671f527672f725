import { signCommand } from '../../../cli/key-commands.js';

export default class extends signCommand('ed25519ph') {}
