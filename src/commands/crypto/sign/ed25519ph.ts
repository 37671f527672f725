import { signCommand } from '../../../cli/key-commands/sign.js';

export default class extends signCommand('ed25519ph') {}
