import { cipherCommand } from '../../../cli/key-commands.js';

export default class extends cipherCommand('aes-key-wrap-pad', false) {}
