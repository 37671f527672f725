import { macCommand } from '../../../cli/key-commands/mac.js';

export default class extends macCommand('hmac', true) {}
