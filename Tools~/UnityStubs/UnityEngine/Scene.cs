// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using UnityStubs;

namespace UnityEngine
{
    public class Transform : Component
    {
        public Vector3 position { get => throw new StubException(); set => throw new StubException(); }
        public Quaternion rotation { get => throw new StubException(); set => throw new StubException(); }
        public Vector3 lossyScale => throw new StubException();
    }

    public sealed class Camera : Behaviour
    {
        public float fieldOfView { get => throw new StubException(); set => throw new StubException(); }
        public bool orthographic { get => throw new StubException(); set => throw new StubException(); }
        public float orthographicSize { get => throw new StubException(); set => throw new StubException(); }
        public float nearClipPlane { get => throw new StubException(); set => throw new StubException(); }
    }
}
