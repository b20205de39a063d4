// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;
using UnityStubs;

namespace Unity.Collections
{
    public struct NativeArray<T> : IDisposable where T : struct
    {
        public int Length => throw new StubException();

        public static void Copy(NativeArray<T> src, int srcIndex, T[] dst, int dstIndex, int length) => throw new StubException();
        public void Dispose() => throw new StubException();
    }
}
