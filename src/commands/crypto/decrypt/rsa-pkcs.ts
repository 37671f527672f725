import { cipherCommand } from '../../../cli/key-commands.js';

export default class extends cipherCommand('rsa-pkcs', true) {}
