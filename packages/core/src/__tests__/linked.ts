// Links the on-demand layers (protocol/, flows/) to the first load, as createAuth() does when it
// loads them, for tests that call their code directly.
import { isCallbackUrl, RESPONSE_PARAMS } from '../first/callbackUrl.js'
import { parseUrl } from '../first/config.js'
import { AuthError, isAuthError } from '../first/errors.js'
import { link } from '../protocol/firstLoad.js'

link({ AuthError, isAuthError, isCallbackUrl, RESPONSE_PARAMS, parseUrl })
