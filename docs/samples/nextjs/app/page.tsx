'use client'
// app/page.tsx: the home page. On the server, and in the browser until the session is restored,
// the status is `loading`: render a placeholder, never a signed-out screen that would flash.
import { useAuth } from '@latchkey/react'

export default function Home() {
  const { status, user, login, logout } = useAuth()
  if (status === 'loading') return <p>Loading…</p>
  if (status === 'authenticated') {
    return (
      <main>
        <p>Signed in as {String(user?.name ?? user?.sub)}</p>
        <a href="/account">Your account</a>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </main>
    )
  }
  return (
    <main>
      <button type="button" onClick={() => void login({ returnTo: '/account' })}>
        Sign in
      </button>
    </main>
  )
}
