using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Numerics;
using Newtonsoft.Json.Linq;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Faces
{
    /// <summary>Loaders for the face-stage reference fixtures (Tests/Fixtures/Reference/{kps,face_align,scrfd}).</summary>
    internal static class FaceFixtures
    {
        public static JObject Json(string relative) => JObject.Parse(File.ReadAllText(TestData.Path(relative)));

        public static Image<Rgb24> Png(string relative) => Image.Load<Rgb24>(TestData.Path(relative));

        public static byte[] Pixels(Image<Rgb24> image)
        {
            var data = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(data);
            return data;
        }

        /// <summary>A list of [x, y] pairs (float32 values written as doubles) as points.</summary>
        public static Vector2[] Points(JToken token)
        {
            var list = new List<Vector2>();
            foreach (var p in token) list.Add(new Vector2((float)(double)p[0]!, (float)(double)p[1]!));
            return list.ToArray();
        }

        /// <summary>Loads a gzip-compressed .npy (fixtures that compress well are stored that way to stay small).</summary>
        public static (float[] Data, int[] Shape) LoadNpyGz(string relative)
        {
            var tmp = Path.GetTempFileName();
            try
            {
                using (var gz = new GZipStream(File.OpenRead(TestData.Path(relative)), CompressionMode.Decompress))
                using (var file = File.Create(tmp))
                    gz.CopyTo(file);
                return TestData.LoadNpy(tmp);
            }
            finally { File.Delete(tmp); }
        }
    }
}
