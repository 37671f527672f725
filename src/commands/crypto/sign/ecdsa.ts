import { signCommand } from '../../../cli/key-commands/sign.js';

export default class extends signCommand('ecdsa') {}
