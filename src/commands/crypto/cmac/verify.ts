import { macCommand } from '../../../cli/key-commands.js';

export default class extends macCommand('cmac', true) {}
