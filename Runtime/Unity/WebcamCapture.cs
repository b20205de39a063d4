using System;
using System.Runtime.InteropServices;
using InstantIdAvatars.Imaging;
using SixLabors.ImageSharp.PixelFormats;
using UnityEngine;

namespace InstantIdAvatars.Unity
{
    /// <summary>
    /// A camera (WebCamTexture) and upright snapshots of it as images for face analysis. Snapshots honour the
    /// camera's rotation and mirroring (phones report both) and reuse their buffers. Main thread only.
    /// </summary>
    public sealed class WebcamCapture : IDisposable
    {
        readonly WebCamTexture _camera;
        Color32[] _pixels = Array.Empty<Color32>();
        byte[] _rgb = Array.Empty<byte>();

        /// <param name="deviceName">A name from WebCamTexture.devices; null picks a front-facing camera, else the first.</param>
        public WebcamCapture(string? deviceName = null, int requestedWidth = 1280, int requestedHeight = 720, int requestedFps = 30)
        {
            var name = deviceName ?? DefaultDevice();
            _camera = new WebCamTexture(name, requestedWidth, requestedHeight, requestedFps);
        }

        /// <summary>The live camera texture (show it in a RawImage; rotate/mirror it as the camera reports).</summary>
        public WebCamTexture Texture => _camera;

        /// <summary>True once the camera delivers real frames (Unity reports 16×16 before the first one).</summary>
        public bool HasFrame => _camera.isPlaying && _camera.width > 16 && _camera.height > 16;

        public void Play() => _camera.Play();

        public void Stop() => _camera.Stop();

        /// <summary>The current frame, upright, as a new image (top row first).</summary>
        public SixLabors.ImageSharp.Image<Rgb24> Snapshot()
        {
            if (!HasFrame) throw new InstantIdException("The camera has no frame yet: call Play() and wait until HasFrame is true.");
            int width = _camera.width, height = _camera.height;
            if (_pixels.Length != width * height) _pixels = new Color32[width * height];
            if (_rgb.Length != width * height * 3) _rgb = new byte[width * height * 3];
            _camera.GetPixels32(_pixels);
            int rotation = _camera.videoRotationAngle;
            FrameOrientation.ToUprightRgb24(MemoryMarshal.AsBytes(_pixels.AsSpan()), width, height, rotation,
                _camera.videoVerticallyMirrored, _rgb);
            var (outWidth, outHeight) = FrameOrientation.UprightSize(width, height, rotation);
            return SixLabors.ImageSharp.Image.LoadPixelData<Rgb24>(new ReadOnlySpan<byte>(_rgb), outWidth, outHeight);
        }

        static string DefaultDevice()
        {
            var devices = WebCamTexture.devices;
            if (devices.Length == 0) throw new InstantIdException("No camera found: connect a webcam, or on mobile grant the camera permission.");
            foreach (var d in devices)
                if (d.isFrontFacing) return d.name;
            return devices[0].name;
        }

        public void Dispose()
        {
            _camera.Stop();
            UnityEngine.Object.Destroy(_camera);
        }
    }
}
