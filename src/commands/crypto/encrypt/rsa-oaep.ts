import { cipherCommand } from '../../../cli/key-commands/cipher.js';

export default class extends cipherCommand('rsa-oaep', false) {}
