export default function Home() {
  return <main>edge-chat</main>;
}
