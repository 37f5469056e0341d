import { createAuth, createAuthGuard, createLatchkey } from '@latchkey/vue'
import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import AccountPage from './AccountPage.vue'
import App from './App.vue'
import HomePage from './HomePage.vue'

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: 'https://app.example.com/callback',
})
const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: HomePage },
    { path: '/callback', component: HomePage }, // the plugin finishes the sign-in here
    { path: '/account', component: AccountPage, meta: { requiresAuth: true } },
  ],
})
router.beforeEach(createAuthGuard())
createApp(App)
  .use(router)
  .use(createLatchkey(auth, { onRedirect: (returnTo) => router.replace(returnTo) }))
  .mount('#app')
