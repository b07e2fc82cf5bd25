import os
from pathlib import Path
from typing import Annotated

from approutes import File, NextRequest, NextResponse, Raises

from lib.models import Uploaded

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", Path(__file__).parents[3] / "uploads"))


# A multipart form: read from the request (the OpenAPI document leaves its body undescribed).
async def POST(request: NextRequest) -> Annotated[Uploaded, Raises(400, "no file in the form")]:
    form_data = await request.form_data()
    file = form_data.get("file")
    if not isinstance(file, File):
        return NextResponse.json({"error": "No file received."}, status=400)
    # A safe name, always inside UPLOAD_DIR, never replacing an earlier upload.
    await file.save_in(UPLOAD_DIR)
    return Uploaded(filename=file.name, size=file.size)
