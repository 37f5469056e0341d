'use client'
// app/account/page.tsx: a protected page. <RequireAuth> starts a sign-in for a signed-out visitor
// (in the browser: on the server it renders the fallback); authFetch() runs in an effect.
import { RequireAuth, useAuth } from '@latchkey/react'
import { useEffect, useState } from 'react'
import { API } from '../auth'

function Profile() {
  const { authFetch } = useAuth()
  const [answer, setAnswer] = useState('…')
  useEffect(() => {
    authFetch(`${API}/api/me`)
      .then((response) => response.text())
      .then(setAnswer, (error: Error) => setAnswer(error.message))
  }, [authFetch])
  return <pre>{answer}</pre>
}

export default function Account() {
  return (
    <RequireAuth fallback={<p>Signing you in…</p>}>
      <Profile />
    </RequireAuth>
  )
}
