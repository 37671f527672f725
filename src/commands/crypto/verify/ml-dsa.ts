import { verifyCommand } from '../../../cli/key-commands.js';

export default class extends verifyCommand('ml-dsa') {}
