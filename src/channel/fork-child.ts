// Preloaded (`--import`) by fork() in the child: gives `process` the IPC methods and events a
// child written for child_process.fork uses, over the rings fork() handed down.
import { installOnProcess } from './fork.js';

installOnProcess();
