// Entry of the offscreen document (Chromium): answer the background's messages.
import { listen } from '../shared/messages';
import { offscreenHandlers } from './handlers';

listen('offscreen', offscreenHandlers);
