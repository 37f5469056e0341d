import { createAuthGuard } from '@latchkey/vue'
import { createRouter, createWebHistory } from 'vue-router'
import CallbackPage from './CallbackPage.vue'
import HomePage from './HomePage.vue'
import ProtectedPage from './ProtectedPage.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: HomePage },
    // The redirect URI: the plugin finishes the sign-in here, then onRedirect leaves for returnTo.
    { path: '/callback', component: CallbackPage },
    { path: '/protected', component: ProtectedPage, meta: { requiresAuth: true } },
  ],
})

declare module 'vue-router' {
  interface RouteMeta {
    /** Only a signed-in user may enter; the auth guard below sends anyone else to sign in. */
    requiresAuth?: boolean
  }
}

// Signed out, a route with `requiresAuth` starts the sign-in and comes back to it afterwards.
router.beforeEach(createAuthGuard())
