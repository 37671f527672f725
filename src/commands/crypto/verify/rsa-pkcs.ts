import { verifyCommand } from '../../../cli/key-commands/sign.js';

export default class extends verifyCommand('rsa-pkcs') {}
