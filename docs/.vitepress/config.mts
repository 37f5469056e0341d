import { existsSync, readFileSync } from 'node:fs'
import { type DefaultTheme, defineConfig } from 'vitepress'

// Written by TypeDoc (`npm run docs:build`, `npm run docs:dev`) with the API reference in docs/api/.
const apiSidebarFile = new URL('../api/typedoc-sidebar.json', import.meta.url)
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(apiSidebarFile)
  ? JSON.parse(readFileSync(apiSidebarFile, 'utf8'))
  : []

export default defineConfig({
  title: 'Latchkey',
  description: 'OAuth 2 / OpenID Connect for browsers and single-page apps, in TypeScript.',
  // Pages under these paths are not part of the site.
  srcExclude: ['samples/**', 'README.md', 'api-landing.md'],
  cleanUrls: true,
  // Dead links fail the build; only localhost URLs in prose (the playground's ports) are not checked.
  ignoreDeadLinks: 'localhostLinks',
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started/vanilla' },
      { text: 'Guides', link: '/guides/flows' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar }],
      '/': [
        {
          text: 'Getting started',
          items: [
            { text: 'TypeScript (no framework)', link: '/getting-started/vanilla' },
            { text: 'React', link: '/getting-started/react' },
            { text: 'Vue', link: '/getting-started/vue' },
            { text: 'Node (machine to machine)', link: '/getting-started/m2m' },
            { text: 'Use it in your own app today', link: '/getting-started/own-app' },
          ],
        },
        {
          text: 'Guides',
          items: [
            { text: 'How the flows work', link: '/guides/flows' },
            { text: 'The flow inspector', link: '/guides/devtools' },
            { text: 'Sessions and tabs', link: '/guides/sessions' },
            { text: 'Popup and silent sign-in', link: '/guides/popup-and-silent' },
            { text: 'DPoP', link: '/guides/dpop' },
            { text: 'Step-up authentication', link: '/guides/step-up' },
            { text: 'Tokens for several APIs', link: '/guides/apis' },
            { text: 'Errors', link: '/guides/errors' },
            { text: 'Configuring a provider', link: '/guides/providers' },
            { text: 'Troubleshooting', link: '/guides/troubleshooting' },
            { text: 'Next.js and Nuxt', link: '/guides/ssr' },
            { text: 'Migrating', link: '/guides/migration' },
            { text: 'Testing your app', link: '/guides/testing' },
            { text: 'Security', link: '/security' },
            { text: 'Benchmarks', link: '/benchmarks' },
            { text: 'Contributing', link: '/contributing' },
          ],
        },
      ],
    },
    search: { provider: 'local' },
  },
})
