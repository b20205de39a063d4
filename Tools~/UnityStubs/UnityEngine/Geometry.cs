// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using UnityStubs;

namespace UnityEngine
{
    public struct Vector2
    {
        public float x;
        public float y;

        public Vector2(float x, float y) => throw new StubException();
    }

    public struct Vector3
    {
        public float x;
        public float y;
        public float z;

        public Vector3(float x, float y, float z) => throw new StubException();
    }

    public struct Quaternion
    {
        public float x;
        public float y;
        public float z;
        public float w;

        public Quaternion(float x, float y, float z, float w) => throw new StubException();
    }

    public struct Rect
    {
        public Rect(float x, float y, float width, float height) => throw new StubException();
    }
}
