// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using Unity.Collections;
using UnityStubs;

namespace UnityEngine
{
    public enum TextureFormat
    {
        RGB24 = 3,
        RGBA32 = 4,
    }

    public class Texture : Object
    {
        public virtual int width { get => throw new StubException(); set => throw new StubException(); }
        public virtual int height { get => throw new StubException(); set => throw new StubException(); }
        public virtual bool isReadable => throw new StubException();
    }

    public sealed class Texture2D : Texture
    {
        public Texture2D(int width, int height, TextureFormat textureFormat, bool mipChain) => throw new StubException();

        public TextureFormat format => throw new StubException();

        public bool Reinitialize(int width, int height, TextureFormat format, bool hasMipMap) => throw new StubException();
        public void SetPixelData<T>(T[] data, int mipLevel, int sourceDataStartIndex = 0) => throw new StubException();
        public void Apply(bool updateMipmaps, bool makeNoLongerReadable) => throw new StubException();
        public NativeArray<T> GetRawTextureData<T>() where T : struct => throw new StubException();
        public Color32[] GetPixels32() => throw new StubException();
    }

    public sealed class WebCamTexture : Texture
    {
        public WebCamTexture(string deviceName, int requestedWidth, int requestedHeight, int requestedFPS) => throw new StubException();

        public static WebCamDevice[] devices => throw new StubException();
        public bool isPlaying => throw new StubException();
        public bool didUpdateThisFrame => throw new StubException();
        public int videoRotationAngle => throw new StubException();
        public bool videoVerticallyMirrored => throw new StubException();

        public void Play() => throw new StubException();
        public void Stop() => throw new StubException();
        public Color32[] GetPixels32(Color32[] colors) => throw new StubException();
    }

    public struct WebCamDevice
    {
        public string name => throw new StubException();
        public bool isFrontFacing => throw new StubException();
    }

    public struct Color32
    {
        public byte r;
        public byte g;
        public byte b;
        public byte a;

        public Color32(byte r, byte g, byte b, byte a) => throw new StubException();
    }
}
