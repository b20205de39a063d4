using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Imaging;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Cli
{
    /// <summary>`instantid analyze`: faces found in a photo, as JSON, and an annotated copy of the photo.</summary>
    static class AnalyzeCommand
    {
        public static Command Create()
        {
            var image = new Option<string>("--image", "-i") { Description = "Photo to analyse.", Required = true };
            var json = new Option<string?>("--json") { Description = "Write the result JSON here (default: print it)." };
            var annotated = new Option<string?>("--annotated") { Description = "Write a PNG with boxes and keypoints drawn on the photo." };
            var models = CliOptions.Models();
            var provider = CliOptions.Provider();
            var command = new Command("analyze", "Detect faces: boxes, scores, five keypoints and identity embeddings.") { image, json, annotated, models, provider };
            command.SetAction(parse => Program.Run(parse, () =>
            {
                var path = parse.GetValue(image)!;
                var folder = CliOptions.ModelSetFolder(parse.GetValue(models));
                using var generator = new InstantIdGenerator(folder, new GeneratorOptions { Sessions = new SessionSettings { Provider = parse.GetValue(provider) } });
                using var photo = ImageLoader.Load(path);
                var analysis = generator.AnalyzeFacesAsync(photo).GetAwaiter().GetResult();
                var text = ToJson(path, analysis).ToString(Formatting.Indented);
                if (parse.GetValue(json) is string jsonPath) { AtomicFile.WriteAllBytes(jsonPath, System.Text.Encoding.UTF8.GetBytes(text)); Console.WriteLine($"wrote {jsonPath}"); }
                else Console.WriteLine(text);
                if (parse.GetValue(annotated) is string pngPath)
                {
                    using var copy = photo.Clone();
                    Annotate(copy, analysis);
                    AtomicFile.Write(pngPath, s => copy.SaveAsPng(s));
                    Console.WriteLine($"wrote {pngPath}");
                }
                return 0;
            }));
            return command;
        }

        /// <summary>The JSON layout of `analyze` (stable: tests check it).</summary>
        internal static JObject ToJson(string path, FaceAnalysis analysis) => new JObject
        {
            ["image"] = Path.GetFileName(path),
            ["width"] = analysis.ImageWidth,
            ["height"] = analysis.ImageHeight,
            ["faces_found"] = analysis.Faces.Count,
            ["ignored_small_faces"] = analysis.IgnoredSmallFaces,
            ["largest_index"] = analysis.Faces.ToList().IndexOf(analysis.Largest),
            ["faces"] = new JArray(analysis.Faces.Select(f => new JObject
            {
                ["box"] = new JArray(f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2),
                ["score"] = f.Score,
                ["keypoints"] = new JArray(f.Keypoints.Select(k => new JArray(k.X, k.Y))),
                ["embedding_norm"] = f.Embedding == null ? null : (JToken)ArcFaceRecognizer.L2Norm(f.Embedding),
            })),
        };

        /// <summary>Box outlines in green (largest face in yellow) and each keypoint as a dot in draw_kps' colour.</summary>
        static void Annotate(Image<Rgb24> image, FaceAnalysis analysis)
        {
            foreach (var face in analysis.Faces)
            {
                var colour = face == analysis.Largest ? new Rgb24(255, 255, 0) : new Rgb24(0, 255, 0);
                int x1 = (int)face.Box.X1, y1 = (int)face.Box.Y1, x2 = (int)face.Box.X2, y2 = (int)face.Box.Y2;
                for (int x = x1; x <= x2; x++) { Set(image, x, y1, colour); Set(image, x, y2, colour); }
                for (int y = y1; y <= y2; y++) { Set(image, x1, y, colour); Set(image, x2, y, colour); }
                for (int k = 0; k < face.Keypoints.Count; k++)
                    for (int dy = -2; dy <= 2; dy++)
                        for (int dx = -2; dx <= 2; dx++)
                            Set(image, (int)face.Keypoints[k].X + dx, (int)face.Keypoints[k].Y + dy, LandmarkMapRenderer.Colors[k]);
            }
        }

        static void Set(Image<Rgb24> image, int x, int y, Rgb24 colour)
        {
            if (x >= 0 && y >= 0 && x < image.Width && y < image.Height) image[x, y] = colour;
        }
    }
}
